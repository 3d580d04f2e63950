"""Loading, verifying and running the trained classifiers; training and evaluation live beside them."""
