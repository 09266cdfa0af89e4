using Xunit;

// Tests share the process-wide client endpoints and the native resource counters; running them one at a time keeps
// leak assertions exact and timings stable on small machines.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
