"""The portal's pages: server-rendered, working without JavaScript, a client of the gateway's
public /v1 API like any other (nothing here imports from `services` or `gateway`)."""
