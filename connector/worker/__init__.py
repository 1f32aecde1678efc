"""The long-running worker (`leadscore run`): runs the sync of every portal on a schedule,
never two at once, stops cleanly on SIGTERM, and reports through logs, metrics and /readyz."""
