"""The document screens: the signed-document viewer, letters and memos, exception requests and the supervisors'
queue."""
