"""PDF documents (ReportLab): recovery sheets now; exception requests and letters later."""
