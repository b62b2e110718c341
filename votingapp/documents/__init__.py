"""Documents in and out: CSV/XLSX import, printable QR ballot cards."""
