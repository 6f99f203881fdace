using System.Diagnostics;

namespace Terminator.LoadTest.Engine;

/// <summary>
/// Drives one scenario through its warm-up and load simulations. Open model: a scheduler computes each arrival's
/// intended start time from the rate and starts it without waiting for earlier ones; latency is measured from that
/// intended time, not from when the client got round to it, which is the coordinated-omission correction (a stalled
/// target or client shows as latency of every arrival it delayed, as in wrk2). Closed model: each copy loops.
/// </summary>
internal sealed class ScenarioRunner(ScenarioMeter meter, TimeSpan warmUp)
{
    private const string OverflowError = "client overflow (too many in flight)";
    private const string UnfinishedError = "timeout (unfinished at end of run)";

    private readonly ScenarioDefinition _definition = meter.Definition;
    private readonly List<Task> _running = [];
    private readonly Lock _runningGate = new();
    private int _arrivals;

    /// <summary>Runs warm-up then every simulation; returns when the last one ended and in-flight iterations
    /// finished (or the definition's grace passed, after which they are cancelled and counted as unfinished).</summary>
    public async Task RunAsync(long startTimestamp, CancellationToken cancellationToken)
    {
        using var iterationsStopping = new CancellationTokenSource();
        long offsetTicks = 0;
        if (warmUp > TimeSpan.Zero)
        {
            LoadSimulation first = WarmUpSimulation(_definition.Simulations, warmUp);
            await RunSimulationAsync(first, startTimestamp, iterationsStopping.Token, cancellationToken).ConfigureAwait(false);
            offsetTicks += Ticks(warmUp);
        }

        meter.Recording = true;
        foreach (LoadSimulation simulation in _definition.Simulations)
        {
            await RunSimulationAsync(simulation, startTimestamp + offsetTicks, iterationsStopping.Token, cancellationToken).ConfigureAwait(false);
            offsetTicks += Ticks(simulation.During);
        }

        Task[] running;
        lock (_runningGate)
        {
            running = [.. _running];
        }

        Task all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(_definition.Grace, CancellationToken.None)).ConfigureAwait(false) != all)
        {
            await iterationsStopping.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }
    }

    /// <summary>The first simulation's load, held for the warm-up (a ramp from near zero warms at a quarter of its
    /// top rate); a scenario that starts with a pause stays idle through the warm-up as well.</summary>
    private static LoadSimulation WarmUpSimulation(IReadOnlyList<LoadSimulation> simulations, TimeSpan warmUp) => simulations[0] switch
    {
        LoadSimulation.KeepConstant keep => keep with { During = warmUp },
        LoadSimulation.Pause => new LoadSimulation.Pause(warmUp),
        LoadSimulation first => new LoadSimulation.Inject(Math.Max(first.RateAt(TimeSpan.Zero), Math.Max(1, first.RateAt(first.During) / 4)), warmUp),
    };

    private Task RunSimulationAsync(LoadSimulation simulation, long startTimestamp, CancellationToken iterationsStopping, CancellationToken cancellationToken) => simulation switch
    {
        LoadSimulation.KeepConstant keep => RunClosedAsync(keep, startTimestamp, iterationsStopping, cancellationToken),
        LoadSimulation.Pause pause => DelayUntilAsync(startTimestamp + Ticks(pause.During), cancellationToken),
        _ => RunOpenAsync(simulation, startTimestamp, iterationsStopping, cancellationToken),
    };

    /// <summary>The open model's arrivals, started by a thread of their own (<see cref="ArrivalClock"/>) rather than
    /// by a timer: <c>Task.Delay</c> per arrival cost the client three wake-ups of the runtime's timer thread and one of a
    /// pool worker per click (each new earliest timer signals the timer thread, which hands the firing to a worker, which
    /// re-arms it), and it woke up to a millisecond early, after which this loop spun on the clock until the arrival was
    /// due. Measured in loadtest/README.md, "Client CPU".</summary>
    private Task RunOpenAsync(LoadSimulation simulation, long startTimestamp, CancellationToken iterationsStopping, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                RunArrivals(simulation, startTimestamp, iterationsStopping, cancellationToken);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "arrivals " + _definition.Name,
        };
        thread.Start();
        return done.Task;
    }

    private void RunArrivals(LoadSimulation simulation, long startTimestamp, CancellationToken iterationsStopping, CancellationToken cancellationToken)
    {
        long endTimestamp = startTimestamp + Ticks(simulation.During);
        double due = 0;   // seconds from the start of this simulation of the next arrival
        while (!cancellationToken.IsCancellationRequested)
        {
            long intended = startTimestamp + (long)(due * Stopwatch.Frequency);
            if (intended >= endTimestamp)
            {
                break;
            }

            ArrivalClock.SleepUntil(intended, cancellationToken);
            // Start every arrival that is due by now (each keeps its own intended time). Each starts on this thread up to
            // its first wait (the connect), then continues on the socket engine's.
            long now = Stopwatch.GetTimestamp();
            while (intended <= now && intended < endTimestamp)
            {
                if (meter.InFlight >= _definition.MaxInFlight)
                {
                    meter.Dropped(OverflowError);
                }
                else
                {
                    Track(RunOneAsync(new ScenarioContext(Interlocked.Increment(ref _arrivals) % 1_000_003, iterationsStopping), intended));
                }

                double rate = simulation.RateAt(TimeSpan.FromSeconds(due));
                due += rate > 0 ? 1.0 / rate : 0.05;   // a ramp from 0 looks again 50 ms later
                intended = startTimestamp + (long)(due * Stopwatch.Frequency);
            }
        }
    }

    private async Task RunClosedAsync(LoadSimulation.KeepConstant keep, long startTimestamp, CancellationToken iterationsStopping, CancellationToken cancellationToken)
    {
        long endTimestamp = startTimestamp + Ticks(keep.During);
        var copies = new Task[keep.Copies];
        for (int i = 0; i < copies.Length; i++)
        {
            var context = new ScenarioContext(i, iterationsStopping);
            copies[i] = Task.Run(async () =>
            {
                try
                {
                    while (Stopwatch.GetTimestamp() < endTimestamp && !cancellationToken.IsCancellationRequested)
                    {
                        await RunOneAsync(context, Stopwatch.GetTimestamp()).ConfigureAwait(false);
                        context.Iteration++;
                        if (_definition.ThinkTime > TimeSpan.Zero)
                        {
                            await DelayUntilAsync(Math.Min(endTimestamp, Stopwatch.GetTimestamp() + Ticks(_definition.ThinkTime)), cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    await DisposeStateAsync(context).ConfigureAwait(false);
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(copies).ConfigureAwait(false);
    }

    private async Task RunOneAsync(ScenarioContext context, long intendedTimestamp)
    {
        bool recording = meter.Recording;
        meter.Started();
        IterationResult result;
        try
        {
            result = await _definition.Iteration(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.Stopping.IsCancellationRequested)
        {
            result = IterationResult.Fail(UnfinishedError);
        }
        catch (Exception ex)
        {
            // A scenario bug must show in the report, not kill the run.
            result = IterationResult.Fail("client exception " + ex.GetType().Name);
        }

        // Counted only when it started in the measured part: a warm-up iteration finishing later only leaves the in-flight count.
        meter.Record(result, (long)Stopwatch.GetElapsedTime(intendedTimestamp).TotalMicroseconds, counted: recording);
    }

    private void Track(Task task)
    {
        lock (_runningGate)
        {
            // Keep the list short: finished tasks need no waiting for.
            if (_running.Count > 1024)
            {
                _running.RemoveAll(static t => t.IsCompleted);
            }

            _running.Add(task);
        }
    }

    private static async Task DisposeStateAsync(ScenarioContext context)
    {
        switch (context.State)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        context.State = null;
    }

    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            try
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * Stopwatch.Frequency);
}
