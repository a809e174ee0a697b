// target Runner
