// placeholder until the Storage files land
