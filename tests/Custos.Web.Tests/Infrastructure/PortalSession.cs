using System.Net;
using System.Text.RegularExpressions;

namespace Custos.Web.Tests.Infrastructure;

/// A signed-in person speaking plain HTTP to the host, as a browser without script would: it keeps
/// the cookies, reads the antiforgery token from the page it got, and posts forms. Redirects are
/// not followed, so tests see exactly what the server answered.
public sealed partial class PortalSession : IDisposable
{
    private readonly HttpClient _http;

    private PortalSession(CustosApp app)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Cookies }, disposeHandler: true)
        {
            BaseAddress = app.Address,
        };
    }

    public CookieContainer Cookies { get; }

    /// A visitor who has not signed in (yet): for the sign-in, two-factor and password reset pages.
    public static PortalSession Anonymous(CustosApp app) => new(app);

    /// Signs in through the real sign-in form; fails the test when the server does not sign the person in.
    public static async Task<PortalSession> SignInAsync(CustosApp app, string email, string password)
    {
        var session = new PortalSession(app);
        try
        {
            using var response = await session.PostFormAsync("/signin", "signin", new Dictionary<string, string?>
            {
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            });
            if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.StartsWith("/signin", StringComparison.Ordinal) == true)
            {
                throw new InvalidOperationException($"Sign-in of {email} failed: {(int)response.StatusCode} {Html.Text(await response.Content.ReadAsStringAsync())}");
            }

            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public async Task<string> GetHtmlAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}");
        return await response.Content.ReadAsStringAsync();
    }

    /// The antiforgery token of the first form on the page at <paramref name="path"/>.
    public async Task<string> TokenFromAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path} for its antiforgery token");
        return Token(await response.Content.ReadAsStringAsync());
    }

    /// Loads the page for its antiforgery token, then posts the named form to the same address.
    public async Task<HttpResponseMessage> PostFormAsync(string path, string formName, IEnumerable<KeyValuePair<string, string?>> fields) =>
        await PostFormAsync(path, formName, fields, await TokenFromAsync(path));

    /// Posts a form with the given token (null: without any token, as a forged request would).
    public Task<HttpResponseMessage> PostFormAsync(string path, string formName, IEnumerable<KeyValuePair<string, string?>> fields, string? token)
    {
        var body = new List<KeyValuePair<string, string>> { new("_handler", formName) };
        if (token is not null)
        {
            body.Add(new("__RequestVerificationToken", token));
        }

        body.AddRange(fields.Where(f => f.Value is not null).Select(f => new KeyValuePair<string, string>(f.Key, f.Value!)));
        return _http.PostAsync(path, new FormUrlEncodedContent(body));
    }

    public static string Token(string html) =>
        TokenPattern().Match(html) is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException("The page has no antiforgery token.");

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
