"""The bridge between the trusted test kernel and the candidate kernel."""
