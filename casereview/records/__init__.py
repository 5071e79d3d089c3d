"""Past records from a state's or a court's extract: reading CSV and XLSX files (`reading`), the mapping from the
file's columns and values to the case format (`mapping`), rows grouped into cases (`convert`), the same person
across rows and near matches (`people`), and the report of a run (`report`).

Nothing here touches the case file: `casereview.store.records` keeps the runs, the stored cases' fingerprints and
the match decisions, and `casereview.services.records` runs an import as a logged-in user.
"""
