"""Cluster-wide diagnosis: the scan (``scan.scan``) and its analyzers (``analyzers.yaml``). Domain code: it reads
through the ToolGateway only and imports neither crewAI nor the terminal libraries."""
