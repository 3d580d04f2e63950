"""Tests of the trained classifiers: loader checks, runtime, training and the shipped artifact."""
