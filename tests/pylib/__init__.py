"""Shared helpers for the Python tests (tests/t_*.py): TAP output, running
spinetap and tshark, reading and writing pcap files, and an independent
RoCE reference (extended-header layout and ICRC) used to build captures."""
