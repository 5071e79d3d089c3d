"""Policy profiles as data and the engine that screens a case against one."""
