using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CredentialSourceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LoginAccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Host = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Port = table.Column<int>(type: "INTEGER", nullable: false),
                    Security = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    UserNameNormalized = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    ProtectedPassword = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
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
