"""Running training outside the page: jobs, their threads, the finished-run store, the device. Imports no model."""
