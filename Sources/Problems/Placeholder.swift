// target Problems
