"""The application: settings, accounts and roles, the submission workflow, assessment, the CLI."""
