"""Engines that run the pipeline."""
