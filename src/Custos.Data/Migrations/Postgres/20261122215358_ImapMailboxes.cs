using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ImapMailboxes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ImapMailboxes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    CredentialSourceId = table.Column<Guid>(type: "uuid", nullable: false),
                    LoginAccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    Host = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Port = table.Column<int>(type: "integer", nullable: false),
                    Security = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    UserName = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    UserNameNormalized = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    ProtectedPassword = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImapMailboxes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ImapMailboxes_CredentialSources_CredentialSourceId",
                        column: x => x.CredentialSourceId,
                        principalTable: "CredentialSources",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ImapMailboxes_LoginAccounts_LoginAccountId",
                        column: x => x.LoginAccountId,
                        principalTable: "LoginAccounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ImapMailboxes_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ImapMailboxes_CredentialSourceId",
                table: "ImapMailboxes",
                column: "CredentialSourceId");

            migrationBuilder.CreateIndex(
                name: "IX_ImapMailboxes_LoginAccountId",
                table: "ImapMailboxes",
                column: "LoginAccountId");

            migrationBuilder.CreateIndex(
                name: "IX_ImapMailboxes_OrganizationId_Host_UserNameNormalized",
                table: "ImapMailboxes",
                columns: new[] { "OrganizationId", "Host", "UserNameNormalized" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ImapMailboxes");
        }
    }
}
