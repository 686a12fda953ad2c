using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// One person's browser: its own context (cookies) and one page, found by what a person sees:
/// roles, accessible names and labels.
public sealed class PortalBrowser(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// Signs in through the sign-in page and waits for the Organizations page it leads to.
    public async Task SignInAsync(string email, string password)
    {
        await SubmitSignInAsync(email, password);
        await ExpectHeadingAsync("Organizations");
    }

    /// Fills and sends the sign-in form without saying where it should lead.
    public async Task SubmitSignInAsync(string email, string password)
    {
        await GoAsync("/signin");
        await Page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    /// Opens the top-right user menu (its summary shows the user's name) and signs out.
    public async Task SignOutAsync(string displayName)
    {
        var signOut = Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" });
        if (!await signOut.IsVisibleAsync())
        {
            await Page.GetByText(displayName, new() { Exact = true }).ClickAsync();
        }

        await signOut.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
    }

    /// Goes to <paramref name="path"/> and returns the HTTP status of the page's answer.
    public async Task<int> GoAsync(string path)
    {
        var response = await Page.GotoAsync(path) ?? throw new InvalidOperationException($"No answer for {path}.");
        return response.Status;
    }

    /// Waits until the page's address has exactly these non-empty query values (a GET form also
    /// sends its empty fields, which mean "not set").
    public Task WaitForQueryAsync(string path, params (string Key, string Value)[] expected) =>
        WaitForAddressAsync(url =>
        {
            var address = new Uri(url);
            var query = QueryHelpers.ParseQuery(address.Query)
                .Where(p => !string.IsNullOrEmpty(p.Value.ToString()))
                .ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
            return address.AbsolutePath == path
                && query.Count == expected.Length
                && expected.All(e => query.TryGetValue(e.Key, out var v) && v == e.Value);
        });

    /// Clicks a link and waits until the browser shows the address it leads to (a new address).
    /// Callers then assert on that page with auto-waiting locators.
    public async Task FollowAsync(ILocator link)
    {
        var before = Page.Url;
        await link.ClickAsync();
        await WaitForAddressAsync(url => url != before);
    }

    /// Waits until the page's address satisfies <paramref name="matches"/>, by reading the address
    /// rather than through WaitForURL: when the address already matches, WaitForURL waits for the
    /// requested load state instead, and a "commit" load state is never reported, so it waited
    /// until its timeout (and waiting for "load" now and then missed a page that had loaded).
    public async Task WaitForAddressAsync(Func<string, bool> matches)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!matches(Page.Url))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The address is still {Page.Url}.");
            }

            await Task.Delay(20);
        }
    }

    public Task ExpectHeadingAsync(string name) =>
        Expect(Page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();

    public ILocator Alert => Page.GetByRole(AriaRole.Alert);

    public ILocator Status => Page.GetByRole(AriaRole.Status);

    // ---- The Organizations page --------------------------------------------------------------

    public ILocator OrganizationsTable => Page.GetByRole(AriaRole.Table, new() { Name = "Organizations" });

    /// The body rows (the header row holds column headers, not cells).
    public ILocator OrganizationRows =>
        OrganizationsTable.GetByRole(AriaRole.Row).Filter(new() { Has = Page.GetByRole(AriaRole.Cell) });

    public ILocator StatusTabs => Page.GetByRole(AriaRole.Navigation, new() { Name = "Organization status" });

    public ILocator Tab(string name) => StatusTabs.GetByRole(AriaRole.Link, new() { Name = name });

    /// Waits until the tab shows <paramref name="count"/> beside its name (in a badge of its own, so
    /// the text has no space between them).
    public Task ExpectTabCountAsync(string name, int count) =>
        Expect(Tab(name)).ToHaveTextAsync(new Regex($@"^\s*{name}\s*{count}\s*$"));

    /// Which of <paramref name="known"/> each listed row shows, in page order; fails when a row
    /// shows none of them or more than one, so an unexpected row cannot hide.
    public async Task<IReadOnlyList<string>> ListedAsync(IEnumerable<string> known)
    {
        var names = known.ToArray();
        await Page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);

        // The page is rendered on the server in one go: either the table or an empty-state message is there.
        await Expect(OrganizationsTable.Or(Page.GetByRole(AriaRole.Status))).ToBeVisibleAsync();
        if (await OrganizationsTable.CountAsync() == 0)
        {
            return [];
        }

        var rows = await OrganizationRows.AllInnerTextsAsync();
        return [.. rows.Select(row =>
        {
            var matches = names.Where(n => row.Contains(n, StringComparison.Ordinal)).ToArray();
            matches.Length.ShouldBe(1, $"the row \"{row}\" should show exactly one of the expected names");
            return matches[0];
        })];
    }

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
