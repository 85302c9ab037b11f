"""Each kind of 0.9.7 row brought across, one module per kind (run in order by `legacy.service`)."""
