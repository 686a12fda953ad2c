using Custos.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Custos.Web.Tests.Browser;

/// Debian's Chromium driven by Playwright's bundled driver (no `playwright install`), headless.
public sealed class Chromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// Without the background-networking flags the closed network refuses many of Chromium's own connections.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<Chromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"{ExecutablePath} is missing, so the browser tests cannot run. Run ./test.sh (it installs it) or: apt-get install chromium");
        }

        // A loaded machine (two cores, several hosts) can be slow; the bound is a safety net, not a measure.
        Assertions.SetDefaultExpectTimeout(45_000);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
            });
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}

/// One running host (with its data seeded once) and one Chromium per test class. Every test opens
/// its own browser context, so cookies never leak from one test into another.
public abstract class BrowserFixture : IAsyncLifetime
{
    private readonly HostFixture _host;
    private Chromium? _chromium;

    protected BrowserFixture(HostFixture host) => _host = host;

    public CustosApp App => _host.App;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        try
        {
            await SeedAsync(_host.App);
            _chromium = await Chromium.LaunchAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_chromium is not null)
            {
                await _chromium.DisposeAsync();
                _chromium = null;
            }
        }
        finally
        {
            await _host.DisposeAsync();
        }
    }

    /// A fresh browser context (own cookies) at a 1280×900 viewport, with relative addresses resolved
    /// against the host.
    public async Task<PortalBrowser> OpenAsync()
    {
        var chromium = _chromium ?? throw new InvalidOperationException("The browser did not start.");
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = App.Address.ToString().TrimEnd('/'),
            ViewportSize = new() { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });

        // Generous limits: on a busy 2-core machine a page load can take many seconds. A real
        // failure still fails; only how long it waits first changes.
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        try
        {
            return new PortalBrowser(context, await context.NewPageAsync());
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    /// Opens a fresh context and signs in through the sign-in page.
    public async Task<PortalBrowser> SignInAsync(string email, string password)
    {
        var browser = await OpenAsync();
        try
        {
            await browser.SignInAsync(email, password);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    protected abstract Task SeedAsync(CustosApp app);
}
