"""Entry points: HTTP routers, timers, Service Bus, durable orchestrator and activities,
CLI and the local host."""
