"""Interoperability with the national public-service portal (Cổng DVCQG): the outbound sync of dossiers and
their processing history through the province's integration adapter (../shared/SYNC.md), the dossiers that
arrive from the national portal, and the procedure look-ups that refresh the catalogue."""
