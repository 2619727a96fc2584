"""The Microsoft Graph Python SDK (msgraph-sdk), unchanged, against
emaillog's simulator over TLS: list the Inbox with paging, get a message,
move it to Archive, and read the Inbox with a delta query.

Run by tests/interop_python.rs with SIM_BASE, SIM_TENANT, SIM_CLIENT_ID,
SIM_CLIENT_SECRET, SIM_MAILBOX and SIM_EXPECTED (the number of messages the
test put in the Inbox) set, and SSL_CERT_FILE / REQUESTS_CA_BUNDLE naming the
simulator's CA. Prints one `ok: ...` line per step; exits non-zero at the
first thing that is not as Graph does it.
"""

import asyncio
import json
import os
import sys
from urllib.parse import urlparse

from azure.identity.aio import ClientSecretCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.users.item.mail_folders.item.messages.item.move.move_post_request_body import (
    MovePostRequestBody,
)
from msgraph.generated.users.item.mail_folders.item.messages.messages_request_builder import (
    MessagesRequestBuilder,
)
from msgraph_core import GraphClientFactory

BASE = os.environ["SIM_BASE"]
TENANT = os.environ["SIM_TENANT"]
MAILBOX = os.environ["SIM_MAILBOX"]
EXPECTED = int(os.environ["SIM_EXPECTED"])


def check(cond, what, detail=None):
    if not cond:
        print(f"FAIL: {what}: {json.dumps(detail, default=str)[:2000]}")
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def client():
    host = urlparse(BASE)
    credential = ClientSecretCredential(
        TENANT,
        os.environ["SIM_CLIENT_ID"],
        os.environ["SIM_CLIENT_SECRET"],
        authority=host.netloc,
        disable_instance_discovery=True,
    )
    auth = AzureIdentityAuthenticationProvider(
        credential,
        scopes=["https://graph.microsoft.com/.default"],
        allowed_hosts=[host.hostname],
    )
    adapter = GraphRequestAdapter(auth, client=GraphClientFactory.create_with_default_middleware())
    adapter.base_url = f"{BASE}/v1.0"
    return GraphServiceClient(request_adapter=adapter), credential


async def main():
    graph, credential = client()
    inbox = graph.users.by_user_id(MAILBOX).mail_folders.by_mail_folder_id("inbox")

    # List with paging: follow @odata.nextLink as the SDK gives it.
    config = MessagesRequestBuilder.MessagesRequestBuilderGetRequestConfiguration(
        query_parameters=MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            top=10, select=["id", "subject", "from", "receivedDateTime", "internetMessageId"]
        )
    )
    page = await inbox.messages.get(request_configuration=config)
    listed, pages = [], 0
    while page is not None:
        pages += 1
        listed.extend(page.value or [])
        page = await inbox.messages.with_url(page.odata_next_link).get() if page.odata_next_link else None
    ids = [m.id for m in listed]
    check(len(ids) == EXPECTED and len(set(ids)) == EXPECTED, f"listed {EXPECTED} messages once each", len(ids))
    check(pages > 1, f"paged through {pages} pages")
    check(all(m.subject and m.from_ and m.from_.email_address.address for m in listed), "listed messages have subject and sender")

    # Get one (its id is long, padded base64: the SDK must encode it).
    first = listed[0]
    full = await inbox.messages.by_message_id(first.id).get()
    check(full.id == first.id and full.subject == first.subject, "got the message by id", full.subject)
    check(full.body is not None and full.body.content, "the message has a body")
    check(full.change_key and full.conversation_id, "the message has changeKey and conversationId")

    # Move it to Archive.
    moved = await graph.users.by_user_id(MAILBOX).messages.by_message_id(first.id).move.post(
        MovePostRequestBody(destination_id="archive")
    )
    check(moved is not None and moved.id and moved.id != first.id, "moved to Archive (a new id)", moved and moved.id)
    archive = graph.users.by_user_id(MAILBOX).mail_folders.by_mail_folder_id("archive")
    got = await archive.messages.by_message_id(moved.id).get()
    check(got.subject == first.subject, "the moved message is in Archive")

    # Delta: every message still in the Inbox once, then a deltaLink; the
    # next round from it gives only what changed.
    delta = await inbox.messages.delta.get()
    seen, rounds = [], 0
    while True:
        rounds += 1
        seen.extend(m.id for m in (delta.value or []))
        if delta.odata_next_link:
            delta = await inbox.messages.delta.with_url(delta.odata_next_link).get()
            continue
        break
    check(delta.odata_delta_link, "delta ended with a deltaLink", rounds)
    check(sorted(seen) == sorted(ids[1:]), f"delta gave the {EXPECTED - 1} Inbox messages", len(seen))
    again = await inbox.messages.delta.with_url(delta.odata_delta_link).get()
    check(not again.value, "the deltaLink gives nothing new", [m.id for m in again.value or []])
    await credential.close()
    print("done")


asyncio.run(main())
