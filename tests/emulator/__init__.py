"""A local emulator of the Instaclustr Provisioning API v1 (Backup & Restore and the cluster calls).

It is the other side of the wire for the collection's tests, benchmarks and dry-run drills, and
shares no code with ``plugins/``. Start it with ``python -m tests.emulator``; see ``docs/emulator.md``.
"""
