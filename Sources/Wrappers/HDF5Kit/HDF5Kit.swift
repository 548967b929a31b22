// placeholder until the wrapper lands
