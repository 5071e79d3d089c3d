"""The Reports window: the dashboard of counts (`dashboard`)."""
