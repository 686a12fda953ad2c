using System.Net;
using System.Text.RegularExpressions;

namespace Custos.Web.Tests.Infrastructure;

/// Just enough HTML reading for page tests that do not need a browser.
public static partial class Html
{
    public static string Title(string html) =>
        TitlePattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value).Trim() : "";

    /// The visible text, tags removed and whitespace collapsed.
    public static string Text(string html) =>
        Whitespace().Replace(WebUtility.HtmlDecode(Tags().Replace(html, " ")), " ");

    [GeneratedRegex("<title>(.*?)</title>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex TitlePattern();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
