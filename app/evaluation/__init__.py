"""The eval harness: replay recorded faults through the pipeline and score its decisions."""
