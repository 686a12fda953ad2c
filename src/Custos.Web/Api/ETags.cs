using System.Globalization;

namespace Custos.Web.Api;

/// An organization's ETag is its concurrency version ("\"7\""): every change through a handler
/// raises it. If-Match carries it back: a stale tag is 412; updates without If-Match are 428
/// (actions such as suspend accept it but do not require it; see docs/api.md).
public static class ETags
{
    public static string Of(int version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    public static void Set(HttpContext http, int version) => http.Response.Headers.ETag = Of(version);

    /// What If-Match asks for: absent; "*" (any version); a version; or a tag that can never match.
    public static IfMatch Read(HttpContext http)
    {
        var values = http.Request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return new IfMatch(false, null, false);
        }

        foreach (var raw in values)
        {
            foreach (var part in (raw ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*")
                {
                    return new IfMatch(true, null, false);
                }

                // Weak tags never match under If-Match's strong comparison.
                if (part.Length >= 3 && part[0] == '"' && part[^1] == '"'
                    && int.TryParse(part.AsSpan(1, part.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    return new IfMatch(true, version, false);
                }
            }
        }

        return new IfMatch(true, null, true);
    }
}

/// <paramref name="Never"/>: the header named only tags that no version can have.
public sealed record IfMatch(bool Given, int? Version, bool Never);
