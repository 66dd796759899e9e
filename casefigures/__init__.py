"""Case figures by area and period (issue 5 "Figures"): API, dashboard page, XLSX export."""
