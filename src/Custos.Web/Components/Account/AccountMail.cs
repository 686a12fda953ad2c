using System.Globalization;
using System.Net;
using Custos.Data;
using Custos.Domain.Mail;
using Custos.Web.Hosting;

namespace Custos.Web.Components.Account;

/// The messages the account pages send.
public static class AccountMail
{
    /// Absolute links in mail start here: the configured public address, else the request's.
    public static string BaseAddress(CustosOptions options, string requestBase) =>
        string.IsNullOrWhiteSpace(options.PublicUrl) ? requestBase : options.PublicUrl.TrimEnd('/') + "/";

    public static string ResetPasswordLink(string baseAddress, string email, string code) =>
        $"{baseAddress}reset-password?email={Uri.EscapeDataString(email)}&code={Uri.EscapeDataString(code)}";

    public static OutgoingMail PasswordReset(AppUser user, string link, TimeSpan validFor)
    {
        var email = user.Email ?? "";
        var name = string.IsNullOrWhiteSpace(user.DisplayName) ? email : user.DisplayName;
        var hours = validFor.TotalHours.ToString("0.#", CultureInfo.InvariantCulture);
        var within = hours == "1" ? "1 hour" : $"{hours} hours";
        var text =
            $"""
            Hello {name},

            Someone asked to reset the password of your Custos account ({email}).
            To choose a new password, open this link within {within}:

            {link}

            The link works once. If you did not ask for this, ignore this message: your password stays as it is.
            """;
        var html =
            $"""
            <!DOCTYPE html>
            <html lang="en"><body style="font-family: sans-serif">
            <p>Hello {WebUtility.HtmlEncode(name)},</p>
            <p>Someone asked to reset the password of your Custos account ({WebUtility.HtmlEncode(email)}).
            To choose a new password, open this link within {within}:</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">Choose a new password</a></p>
            <p>The link works once. If you did not ask for this, ignore this message: your password stays as it is.</p>
            </body></html>
            """;
        return new OutgoingMail(email, "Reset your Custos password", text, html) { ToName = user.DisplayName };
    }
}
