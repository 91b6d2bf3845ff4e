"""Sales plans: the monthly grid, its lifecycle and review, and plan against actual."""
