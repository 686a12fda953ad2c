using System.Net;
using Custos.Web.Tests.Infrastructure;

namespace Custos.Web.Tests.Api;

/// A host with a tiny limit: 3 requests per key per minute.
public sealed class RateLimitedHostFixture : HostFixture
{
    public override Custos.Data.DatabaseProvider Provider => Custos.Data.DatabaseProvider.Sqlite;

    protected override Task<CustosAppOptions> PrepareAsync(string dataPath) =>
        Task.FromResult(new CustosAppOptions(dataPath)
        {
            Settings = new Dictionary<string, string?>
            {
                ["Custos:Api:RateLimitPermits"] = "3",
                ["Custos:Api:RateLimitWindowSeconds"] = "60",
            },
        });
}

public sealed class RateLimitTests(RateLimitedHostFixture fixture) : IClassFixture<RateLimitedHostFixture>
{
    [Fact]
    public async Task FourthRequestInTheWindow_Is429WithRetryAfterAndRateLimitHeaders_OtherKeysUnaffected()
    {
        var world = await ApiWorld.CreateAsync(fixture.App);
        using var client = world.Writer(fixture.App);
        var remaining = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.GetAsync("/api/v1/partners");
            ok.StatusCode.ShouldBe(HttpStatusCode.OK);
            ok.Headers.GetValues("RateLimit-Limit").Single().ShouldBe("3");
            remaining.Add(ok.Headers.GetValues("RateLimit-Remaining").Single());
        }

        using var limited = await client.GetAsync("/api/v1/partners");

        remaining.ShouldBe(["2", "1", "0"]);
        await limited.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retry = limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        retry.ShouldBeInRange(1, 60);
        limited.Headers.GetValues("RateLimit-Remaining").Single().ShouldBe("0");
        limited.Headers.GetValues("RateLimit-Limit").Single().ShouldBe("3");
        int.Parse(limited.Headers.GetValues("RateLimit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(1, 60);

        // Partitioned by key: the other key still has its own budget.
        using var other = world.Reader(fixture.App);
        using var fine = await other.GetAsync("/api/v1/partners");
        fine.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
