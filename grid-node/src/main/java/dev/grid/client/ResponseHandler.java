package dev.grid.client;

/**
 * Receives the answer of an asynchronous request on the client's thread. Keep it short and non-blocking: it holds
 * up every other answer. The request (and its buffers) is reused as soon as the handler returns.
 */
@FunctionalInterface
public interface ResponseHandler
{
    /**
     * @param request the completed request: {@link GridRequest#status()}, {@link GridRequest#response()}.
     */
    void onResponse(GridRequest request);
}
