"""OAuth 2.0 with fitness providers: pending states, the authorization-code flow, single-flight refresh."""
