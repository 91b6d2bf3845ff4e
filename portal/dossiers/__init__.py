"""Dealer files: the PDF dossier of one dealer, archived each time it is issued."""
