using Custos.ControlPlane.ApiKeys;
using Custos.Data;
using Microsoft.Extensions.Time.Testing;

namespace Custos.Web.Tests.Api;

/// The API key cache on its own, with a fake clock: how long an entry serves, and that a revocation
/// on this node wins at once, even over a load that read the row just before it.
public sealed class ApiKeyCacheTests
{
    private static ApiKeyFacts Key(DateTimeOffset? revokedAt = null) => new(
        Guid.NewGuid(), "Automation", PartnerRole.FullAdministrator, "hash", revokedAt, null, "a@example.test",
        Guid.NewGuid(), "/p/", "P-AAAAAAA", "Partner");

    [Fact]
    public async Task Entry_ServesForItsLifetime_ThenIsReadAgain()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new ApiKeyCache(clock) { Lifetime = TimeSpan.FromSeconds(5) };
        var loads = 0;
        var stored = Key();
        Task<ApiKeyFacts?> Load()
        {
            loads++;
            return Task.FromResult<ApiKeyFacts?>(stored);
        }

        (await cache.GetAsync("lookup", Load)).ShouldBe(stored);
        clock.Advance(TimeSpan.FromSeconds(4.9));
        (await cache.GetAsync("lookup", Load)).ShouldBe(stored);
        loads.ShouldBe(1);

        // Revoked on another node: seen once the entry expired.
        stored = stored with { RevokedAt = clock.GetUtcNow() };
        clock.Advance(TimeSpan.FromSeconds(0.2));
        (await cache.GetAsync("lookup", Load))!.RevokedAt.ShouldNotBeNull();
        loads.ShouldBe(2);
    }

    [Fact]
    public async Task RevokedHere_IsRefusedAtOnce_EvenWhenALoadReadTheRowBefore()
    {
        var clock = new FakeTimeProvider();
        var cache = new ApiKeyCache(clock) { Lifetime = TimeSpan.FromMinutes(1) };
        var before = Key();
        (await cache.GetAsync("lookup", () => Task.FromResult<ApiKeyFacts?>(before)))!.RevokedAt.ShouldBeNull();

        cache.MarkRevoked("lookup", clock.GetUtcNow());

        (await cache.GetAsync("lookup", () => Task.FromResult<ApiKeyFacts?>(before)))!.RevokedAt.ShouldNotBeNull();
        clock.Advance(TimeSpan.FromMinutes(2));
        (await cache.GetAsync("lookup", () => Task.FromResult<ApiKeyFacts?>(before)))!.RevokedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task UnknownKeys_AreNotCached_AndLastUseIsRemembered()
    {
        var clock = new FakeTimeProvider();
        var cache = new ApiKeyCache(clock);
        var loads = 0;
        (await cache.GetAsync("nobody", () =>
        {
            loads++;
            return Task.FromResult<ApiKeyFacts?>(null);
        })).ShouldBeNull();
        (await cache.GetAsync("nobody", () =>
        {
            loads++;
            return Task.FromResult<ApiKeyFacts?>(null);
        })).ShouldBeNull();
        loads.ShouldBe(2);

        await cache.GetAsync("lookup", () => Task.FromResult<ApiKeyFacts?>(Key()));
        cache.Used("lookup", clock.GetUtcNow());
        (await cache.GetAsync("lookup", () => Task.FromResult<ApiKeyFacts?>(Key())))!.LastUsedAt.ShouldBe(clock.GetUtcNow());
    }
}
