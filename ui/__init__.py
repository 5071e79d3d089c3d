"""The desktop application's widgets. Holds no rules: everything it shows comes from casereview.services."""
