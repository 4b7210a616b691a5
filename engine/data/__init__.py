"""Where numbers come from: uploads, typed tables, the course notes' tables and presets, digits, MNIST."""
