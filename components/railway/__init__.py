"""Railway: a Pulumi dynamic provider over Railway's GraphQL API, and the app built on it."""
