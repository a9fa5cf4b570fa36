"""Runtime store for deployed Jac apps: graph and users in MongoDB, shared by every replica.

Loaded by jaclang through the ``jac`` entry-point group (``scale_runtime``). It imports only
the small runtime drivers (pymongo), never the deployer, and stays inert unless
``MONGODB_URI`` is set.
"""
