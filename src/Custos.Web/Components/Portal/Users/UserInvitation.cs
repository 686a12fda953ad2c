using System.Globalization;
using System.Net;
using System.Text;
using Custos.Domain.Mail;
using Custos.Web.Components.Account;
using Custos.Web.Hosting;
using Microsoft.AspNetCore.WebUtilities;

namespace Custos.Web.Components.Portal.Users;

/// The invitation a new partner user gets: a link to the password page with Identity's reset
/// token, the same link the forgot-password mail carries, so one page serves both.
public static class UserInvitation
{
    public static string Link(CustosOptions options, string requestBase, string email, string token) =>
        AccountMail.ResetPasswordLink(
            AccountMail.BaseAddress(options, requestBase), email, WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token)));

    /// "1 hour", "24 hours", "7 days".
    public static string Describe(TimeSpan validFor) => validFor.TotalHours switch
    {
        1 => "1 hour",
        < 48 => string.Create(CultureInfo.InvariantCulture, $"{validFor.TotalHours:0.#} hours"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{validFor.TotalDays:0.#} days"),
    };

    public static OutgoingMail Mail(string email, string name, string partnerName, string invitedBy, string link, TimeSpan validFor)
    {
        var within = Describe(validFor);
        var text =
            $"""
            Hello {name},

            {invitedBy} added you as a user of {partnerName} on Custos.
            To choose your password, open this link within {within}:

            {link}

            The link works once. When it has expired, use "Forgot your password?" on the sign-in page to get a new one.
            """;
        var html =
            $"""
            <!DOCTYPE html>
            <html lang="en"><body style="font-family: sans-serif">
            <p>Hello {WebUtility.HtmlEncode(name)},</p>
            <p>{WebUtility.HtmlEncode(invitedBy)} added you as a user of {WebUtility.HtmlEncode(partnerName)} on Custos.
            To choose your password, open this link within {within}:</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">Choose your password</a></p>
            <p>The link works once. When it has expired, use "Forgot your password?" on the sign-in page to get a new one.</p>
            </body></html>
            """;
        return new OutgoingMail(email, "You are invited to Custos", text, html) { ToName = name };
    }
}
