"""Every write and workflow. Views, the CLI and the API call these; they know nothing of requests."""
