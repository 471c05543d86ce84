from kubecopilot.cli import entry

entry()
