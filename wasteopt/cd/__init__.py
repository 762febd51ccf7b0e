"""Construction and demolition (C&D) waste as it moves: 电子联单 (e-manifests) and truck GPS in a store,
a seeded generator of both, and their reconciliation with the licensed sites and the plan."""
