"""The ``crm`` command: the composition root of every process (serve, worker, scheduler, db,
users, import, export and the per-area commands). It may import every layer below it."""
