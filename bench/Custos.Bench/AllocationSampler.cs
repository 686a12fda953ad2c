using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace Custos.Bench;

/// The runtime's allocation samples (one event per ~100 KB allocated), summed by type: where a
/// process's allocations go, to explain its GC work. Enabled by CUSTOS_BENCH_ALLOCATIONS=1; costs
/// a little CPU, so figures of a sampled run are not compared with others.
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    public static AllocationSampler? FromEnvironment() =>
        Environment.GetEnvironmentVariable("CUSTOS_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;

    public string Top(int count)
    {
        var text = new StringBuilder("allocations (sampled, MB by type):");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(count))
        {
            text.Append(CultureInfo.InvariantCulture, $" {type}={bytes / 1_000_000}");
        }

        return text.ToString();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs data)
    {
        if (data.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || data.PayloadNames is null)
        {
            return;
        }

        var type = data.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? data.Payload![t] as string ?? "?" : "?";
        var large = data.PayloadNames.IndexOf("AllocationKind") is var k and >= 0 && Convert.ToInt32(data.Payload![k], CultureInfo.InvariantCulture) == 1;
        var amount = data.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(data.Payload![a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(large ? type + "(LOH)" : type, amount, (_, sum) => sum + amount);
    }
}
