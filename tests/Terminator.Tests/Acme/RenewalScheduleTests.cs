using Terminator.Acme;

namespace Terminator.Tests.Acme;

/// <summary>The renewal queue, the renewal policy and the order budget: pure logic, no clock.</summary>
public sealed class RenewalScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Queue_TakesDueDomainsInTimeOrder_RescheduleAndRemoveWin()
    {
        var queue = new RenewalQueue();
        queue.Schedule("c.test", T0.AddMinutes(3));
        queue.Schedule("a.test", T0.AddMinutes(1));
        queue.Schedule("b.test", T0.AddMinutes(2));
        queue.Schedule("a.test", T0.AddMinutes(10)); // moved later: the old node must not fire
        queue.Remove("b.test");

        Assert.Equal(T0.AddMinutes(3), queue.NextDue);
        Assert.False(queue.TryTakeDue(T0.AddMinutes(2), out _));
        Assert.True(queue.TryTakeDue(T0.AddMinutes(5), out string first));
        Assert.False(queue.TryTakeDue(T0.AddMinutes(5), out _));
        Assert.True(queue.TryTakeDue(T0.AddMinutes(10), out string second));
        Assert.Equal(("c.test", "a.test"), (first, second));
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.NextDue);
    }

    [Fact]
    public void Queue_ManyReschedules_StaysBoundedAndCorrect()
    {
        var queue = new RenewalQueue();
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 1000; i++)
            {
                queue.Schedule($"d{i}.test", T0.AddSeconds(round * 1000 + i));
            }
        }

        Assert.Equal(1000, queue.Count);
        int taken = 0;
        DateTimeOffset last = DateTimeOffset.MinValue;
        while (queue.TryTakeDue(DateTimeOffset.MaxValue, out string name))
        {
            DateTimeOffset due = T0.AddSeconds(49_000 + int.Parse(name[1..^5], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(due >= last);
            last = due;
            taken++;
        }

        Assert.Equal(1000, taken);
    }

    [Theory]
    [InlineData(90, 0.0, 60.0)]
    [InlineData(90, 1.0, 55.5)]
    [InlineData(45, 0.0, 30.0)]
    [InlineData(6, 0.5, 3.85)]
    public void RenewAt_TwoThirdsIntoTheLifetime_JitterOnlyEarlier(int lifetimeDays, double random, double expectedDay)
    {
        DateTimeOffset renewAt = RenewalPolicy.RenewAt(T0, T0.AddDays(lifetimeDays), random);

        Assert.Equal(expectedDay, (renewAt - T0).TotalDays, precision: 6);
    }

    [Fact]
    public void RenewAt_AriWindow_UniformInsideIt()
    {
        Assert.Equal(T0, RenewalPolicy.InWindow(T0, T0.AddDays(2), 0));
        Assert.Equal(T0.AddDays(1), RenewalPolicy.InWindow(T0, T0.AddDays(2), 0.5));
        Assert.Equal(T0, RenewalPolicy.InWindow(T0, T0.AddDays(-1), 0.7)); // a malformed window: start
    }

    [Fact]
    public void Backoff_DoublesFromFiveMinutes_CappedAtTwelveHours_RetryAfterIsAFloor()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), RenewalPolicy.Backoff(1, 0));
        Assert.Equal(TimeSpan.FromMinutes(10), RenewalPolicy.Backoff(2, 0));
        Assert.Equal(TimeSpan.FromMinutes(6), RenewalPolicy.Backoff(1, 1)); // +20% jitter at most
        Assert.Equal(TimeSpan.FromHours(12), RenewalPolicy.Backoff(40, 0));
        Assert.Equal(TimeSpan.FromHours(3), RenewalPolicy.Backoff(1, 0, retryAfter: TimeSpan.FromHours(3)));
        Assert.Equal(TimeSpan.FromMinutes(10), RenewalPolicy.Backoff(2, 0, retryAfter: TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void OrderBudget_SmallBurstThenTheHourlyRate()
    {
        var budget = new OrderBudget(360, T0); // one every 10 s, a burst of 36
        int burst = 0;
        while (budget.TryTake(T0, out _))
        {
            burst++;
        }

        Assert.Equal(36, burst);
        Assert.False(budget.TryTake(T0, out DateTimeOffset next));
        Assert.Equal(T0.AddSeconds(10), next);
        Assert.True(budget.TryTake(T0.AddSeconds(10), out _));
        Assert.False(budget.TryTake(T0.AddSeconds(15), out _));
        // An idle hour refills at most one hour's worth.
        int afterIdle = 0;
        while (budget.TryTake(T0.AddHours(5), out _))
        {
            afterIdle++;
        }

        Assert.Equal(360, afterIdle);
    }
}
