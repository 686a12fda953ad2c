using System.Net;
using System.Text;
using Custos.Domain.Mail;

namespace Custos.ControlPlane.Mail;

/// Builds a message's plain-text and HTML bodies from the same parts, so the two never disagree.
/// Every value is HTML-encoded here; callers pass plain text.
public sealed class MailBody
{
    private readonly List<string> _paragraphs = [];
    private (string Text, Uri Url)? _button;
    private string? _footer;

    private MailBody(string greetingName) => Greeting = $"Hello {greetingName},";

    public string Greeting { get; }

    public static MailBody To(string greetingName) => new(greetingName);

    public MailBody Paragraph(string text)
    {
        _paragraphs.Add(text);
        return this;
    }

    /// The one action of the message: a link shown as a button in HTML and as the bare address in text.
    public MailBody Action(string text, Uri url)
    {
        _button = (text, url);
        return this;
    }

    /// A closing line in small print (why the reader got this message).
    public MailBody Footer(string text)
    {
        _footer = text;
        return this;
    }

    public OutgoingMail ToMail(string to, string subject, string? toName = null, string? fromName = null)
    {
        var text = new StringBuilder().Append(Greeting).Append("\n\n");
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><body style=\"font-family: sans-serif; line-height: 1.5\">\n")
            .Append("<p>").Append(WebUtility.HtmlEncode(Greeting)).Append("</p>\n");
        foreach (var p in _paragraphs)
        {
            text.Append(p).Append("\n\n");
            html.Append("<p>").Append(WebUtility.HtmlEncode(p)).Append("</p>\n");
        }

        if (_button is { } b)
        {
            text.Append(b.Text).Append(":\n").Append(b.Url.AbsoluteUri).Append("\n\n");
            html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(b.Url.AbsoluteUri))
                .Append("\" style=\"display: inline-block; padding: 8px 16px; background: #1f5fbf; color: #fff; text-decoration: none; border-radius: 4px\">")
                .Append(WebUtility.HtmlEncode(b.Text)).Append("</a></p>\n");
        }

        if (_footer is not null)
        {
            text.Append("-- \n").Append(_footer).Append('\n');
            html.Append("<p style=\"color: #666; font-size: small\">").Append(WebUtility.HtmlEncode(_footer)).Append("</p>\n");
        }

        html.Append("</body></html>\n");
        return new OutgoingMail(to, subject, text.ToString().TrimEnd() + "\n", html.ToString()) { ToName = toName, FromName = fromName };
    }
}
